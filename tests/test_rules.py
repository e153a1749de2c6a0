"""Rules from TOML and JSON files (servicedomain.rules): every rule type round-trips
through a file of each format, and every bad file is refused with an error naming the
file, the key path and the value."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from servicedomain.calendars import WorkingCalendar
from servicedomain.errors import InvalidInputError, InvalidRulesError
from servicedomain.periods import Schedule
from servicedomain.rules import (
    RULE_TYPES,
    Rules,
    RuleTypes,
    dump_rules,
    format_rules,
    load_rules,
    parse_rules,
    rules_from_dict,
)
from servicedomain.sla import ServiceLevelAgreement
from servicedomain.stages import EXAMPLE_STAGE_GRAPH
from servicedomain.testing.domain_strategies import (
    service_level_agreements,
    working_calendars,
)
from servicedomain.testing.strategies import stage_graphs

MAIN = WorkingCalendar.from_dict(
    {
        "id": "MAIN",
        "zone": "Europe/Stockholm",
        "weekly": {"mon": ["08:00-12:00", "13:00-17:00"], "fri": ["22:00-02:00"]},
        "holidays": ["2025-12-25"],
        "exceptions": {"2025-12-24": ["08:00-12:00"], "2025-06-20": []},
    }
)
STANDARD = ServiceLevelAgreement.from_dict(
    {
        "id": "STANDARD",
        "description": 'Standard "gold" \\ service\tlevel',
        "resolution": "P1DT4H",
        "response": "PT15M",
        "per_priority": {"high": {"resolution": "PT4H"}},
        "calendar": "MAIN",
        "mode": "delayed_start",
        "at_risk_share": "0.75",
        "suspended": True,
    },
    calendars={"MAIN": MAIN},
)
INLINE = ServiceLevelAgreement.from_dict({"id": "BASIC", "resolution": "PT8H"})
EVERY_RULE = Rules(
    {
        "stage_graphs": {"SERVICE": EXAMPLE_STAGE_GRAPH},
        "calendars": {"MAIN": MAIN},
        "slas": {"STANDARD": STANDARD, "BASIC": INLINE},
    }
)


@pytest.mark.parametrize("suffix", [".toml", ".json"])
def test_every_rule_type_round_trips_through_a_file(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"rules{suffix}"
    dump_rules(EVERY_RULE, path)
    loaded = load_rules(path)
    assert loaded == EVERY_RULE
    assert loaded.stage_graphs["SERVICE"] == EXAMPLE_STAGE_GRAPH
    assert loaded.calendars["MAIN"] == MAIN
    assert loaded.slas["STANDARD"] == STANDARD
    assert loaded.slas["STANDARD"].calendar == loaded.calendars["MAIN"]
    assert loaded.slas["BASIC"] == INLINE


def test_a_hand_written_toml_file_loads(tmp_path: Path) -> None:
    path = tmp_path / "rules.toml"
    path.write_text(
        """
[calendars.MAIN]
zone = "Europe/Stockholm"
weekly = {mon = ["08:00-17:00"], tue = ["08:00-17:00"]}
holidays = [2025-12-25]  # a TOML date works as well as ISO text

[slas.STANDARD]
resolution = "PT8H"
calendar = "MAIN"

[[stage_graphs.SERVICE.stages]]
id = "NEW"

[[stage_graphs.SERVICE.stages]]
id = "DONE"
parent = "NEW"
rules = {may_post = true}
""",
        "utf-8",
    )
    rules = load_rules(path)
    assert rules.calendars["MAIN"].id == "MAIN"  # the name is the id
    assert rules.calendars["MAIN"].holidays == frozenset({date(2025, 12, 25)})
    assert rules.slas["STANDARD"].calendar is rules.calendars["MAIN"]
    assert rules.stage_graphs["SERVICE"].stage("DONE").rules.may_post


def test_the_result_is_immutable() -> None:
    rules = rules_from_dict({"slas": {"STD": {"resolution": "PT8H"}}})
    with pytest.raises(TypeError):
        rules.slas["OTHER"] = INLINE  # type: ignore[index]
    with pytest.raises(TypeError):
        rules.sections["slas"] = {}  # type: ignore[index]
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        rules.sections = {}  # type: ignore[misc]


def test_a_registered_rule_type_round_trips_without_changing_the_default(
    tmp_path: Path,
) -> None:
    types = RuleTypes.default()
    types.register("schedules", Schedule)
    assert "schedules" not in RULE_TYPES
    rules = Rules(
        {
            "schedules": {
                "BILLING": Schedule.from_dict({"period_code": "P1M", "anchor": "2025-01-31"})
            }
        }
    )
    for suffix in (".toml", ".json"):
        path = tmp_path / f"rules{suffix}"
        dump_rules(rules, path, types=types)
        assert load_rules(path, types=types) == rules
    with pytest.raises(InvalidRulesError, match=r"^rules.toml: schedules=.*unknown key"):
        load_rules(tmp_path / "rules.toml")  # the default registry has no schedules


def test_a_section_is_registered_once() -> None:
    types = RuleTypes.default()
    with pytest.raises(InvalidInputError, match="a rule type of this section is registered"):
        types.register("calendars", WorkingCalendar)


# ----------------------------------------------------------------------- bad input

BAD_TOML = [
    (
        '[calendar.MAIN]\nzone = "UTC"\n',
        (
            "rules.toml: calendar={'MAIN': {'zone': 'UTC'}}: unknown key of a rules file; "
            "expected stage_graphs, calendars, slas"
        ),
    ),
    (
        '[calendars.MAIN]\nzone = "UTC"\nweekly = {mon = ["08:00-17:00"]}\nholiday = []\n',
        (
            "rules.toml: calendars.MAIN.holiday=[]: unknown key of WorkingCalendar; "
            "expected zone, weekly, id, holidays, exceptions, horizon_days"
        ),
    ),
    (
        '[stage_graphs.S]\nstages = [{id = "A"}, {id = "B", parnet = "A"}]\n',
        (
            "rules.toml: stage_graphs.S.stages[1].parnet='A': unknown key of Stage; "
            "expected id, description, parent, rules"
        ),
    ),
    (
        '[slas.STD]\ndescription = "x"\n',
        "rules.toml: slas.STD.resolution=None: this key of ServiceLevelAgreement is required",
    ),
    (
        '[calendars.MAIN]\nweekly = {mon = ["08:00-17:00"]}\n',
        "rules.toml: calendars.MAIN.zone=None: this key of WorkingCalendar is required",
    ),
    (
        '[calendars.MAIN]\nzone = "UTC"\nweekly = {mon = ["08:00-12:00", "8-17"]}\n',
        (
            "rules.toml: calendars.MAIN.weekly.mon[1]='8-17': "
            "expected HH:MM-HH:MM such as '08:00-17:00' or '22:00-06:00'"
        ),
    ),
    (
        '[calendars.MAIN]\nzone = "UTC"\nweekly = {mon = [17]}\n',
        (
            "rules.toml: calendars.MAIN.weekly.mon[0]=17: "
            "expected a Slot or a text such as '08:00-17:00'"
        ),
    ),
    (
        "[slas.STD]\nresolution = 8\n",
        "rules.toml: slas.STD.resolution=8: expected an ISO-8601 duration such as 'PT8H'",
    ),
    (
        '[stage_graphs.S]\nstages = [{id = "A", rules = {may_post = 1}}]\n',
        "rules.toml: stage_graphs.S.stages[0].rules.may_post=1: expected true or false",
    ),
    (
        '[slas.STD]\nid = "OTHER"\nresolution = "PT8H"\n',
        "rules.toml: slas.STD.id='OTHER': the id of a rule is its name in the file, 'STD'",
    ),
    (
        '[slas.STD]\nresolution = "PT8H"\ncalendar = "NOPE"\n',
        "rules.toml: slas.STD.calendar='NOPE': unknown calendar id; known: none were given",
    ),
    ("calendars = 3\n", "rules.toml: calendars=3: expected a table of named rules"),
    (
        "[calendars]\nMAIN = 3\n",
        "rules.toml: calendars.MAIN=3: expected a table (a WorkingCalendar as a dict)",
    ),
    (
        '[calendars." "]\nzone = "UTC"\n',
        "rules.toml: calendars. =' ': an id is not empty or blank",
    ),
    (
        "[calendars\n",
        (
            "rules.toml: not valid TOML: Expected ']' at the end of a table declaration "
            "(at line 1, column 11)"
        ),
    ),
]


@pytest.mark.parametrize(("text", "message"), BAD_TOML)
def test_a_bad_toml_file_is_refused_naming_the_file_the_path_and_the_value(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "rules.toml"
    path.write_text(text, "utf-8")
    with pytest.raises(InvalidRulesError) as caught:
        load_rules(path)
    assert str(caught.value) == message
    assert caught.value.source == "rules.toml"
    assert isinstance(caught.value, InvalidInputError)  # also a ValueError


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '{"calendars": ',
            "rules.json: not valid JSON: Expecting value: line 1 column 15 (char 14)",
        ),
        ("[1]", "rules.json: data=[1]: expected a mapping of sections, got list"),
        (
            '{"slas": {"STD": {"resolution": "PT8H", "at_risk_share": 0.8}}}',
            (
                "rules.json: slas.STD.at_risk_share=0.8: "
                "expected a decimal string such as '0.8', not a float"
            ),
        ),
        (
            '{"stage_graphs": {"S": {"stages": [{"id": "A"}], "root": "A"}}}',
            "rules.json: stage_graphs.S.root='A': unknown key of StageGraph; expected stages",
        ),
    ],
)
def test_a_bad_json_file_is_refused_naming_the_file_the_path_and_the_value(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "rules.json"
    path.write_text(text, "utf-8")
    with pytest.raises(InvalidRulesError) as caught:
        load_rules(path)
    assert str(caught.value) == message


def test_a_file_of_another_kind_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text("calendars: {}\n", "utf-8")
    with pytest.raises(InvalidRulesError, match=r"^rules.yaml: path=.*: a rules file ends in "):
        load_rules(path)
    with pytest.raises(InvalidRulesError, match=r"^rules.yaml: path=.*: a rules file ends in "):
        dump_rules(EVERY_RULE, path)


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidRulesError, match=r"^absent.toml: path=.*absent.toml'"):
        load_rules(tmp_path / "absent.toml")


def test_text_in_an_unknown_format_is_refused() -> None:
    with pytest.raises(
        InvalidRulesError, match=r"^rules: format='yaml': expected 'toml' or 'json'$"
    ):
        parse_rules("", format="yaml")


def test_a_file_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "rules.toml"
    path.write_bytes(b'[slas.STD]\ndescription = "\xff"\n')
    with pytest.raises(InvalidRulesError, match=r"^rules.toml: not valid TOML: "):
        load_rules(path)


# -------------------------------------------------------------------- property test


@st.composite
def rule_sets(draw: st.DrawFn) -> Rules:
    """Rules of every built-in type: calendars named by id, SLAs naming one of them."""
    names = draw(
        st.lists(st.from_regex(r"[A-Z][A-Z0-9_]{0,5}", fullmatch=True), unique=True, max_size=3)
    )
    calendars = {name: attrs.evolve(draw(working_calendars()), id=name) for name in names}
    choices = st.sampled_from([None, *calendars.values()])
    slas = {}
    for sla in draw(st.lists(service_level_agreements(), max_size=3, unique_by=lambda s: s.id)):
        slas[sla.id] = attrs.evolve(sla, calendar=draw(choices))
    graphs = draw(
        st.dictionaries(st.sampled_from(["A", "B-2", "service graph"]), stage_graphs(), max_size=2)
    )
    return Rules({"stage_graphs": graphs, "calendars": calendars, "slas": slas})


@given(rule_sets(), st.sampled_from(["toml", "json"]))
def test_generated_rules_round_trip_through_toml_and_json(rules: Rules, format: str) -> None:
    text = format_rules(rules, format=format)
    assert parse_rules(text, format=format) == rules
