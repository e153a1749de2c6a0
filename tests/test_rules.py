"""Rules from TOML and JSON files (servicedomain.rules): every rule type round-trips
through a file of each format, and every bad file is refused with an error naming the
file, the key path and the value."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from servicedomain.billing import PriceTable, SubscriptionGroup
from servicedomain.calendars import WorkingCalendar
from servicedomain.errors import InvalidInputError, InvalidRulesError
from servicedomain.money import Money
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
from servicedomain.testing.billing_strategies import price_tables
from servicedomain.testing.domain_strategies import (
    service_level_agreements,
    subscription_groups,
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
QUARTERLY_GROUP = SubscriptionGroup.from_dict(
    {
        "id": "QUARTERLY",
        "name": "Quarterly support",
        "invoicing_period_code": "P3M",
        "accrual_period_code": "P1M",
        "accrue_revenue": True,
        "accrual_method": "per_day",
        "rounding_period": "last",
        "reversal": "original_posting_date",
    }
)
MONTHLY_GROUP = SubscriptionGroup.from_dict({"id": "MONTHLY", "invoicing_period_code": "P1M"})
PRICES = PriceTable.from_dict(
    {
        "entries": [
            {  # every key blank: any category, project and subscription
                "effective_date": "2024-01-01",
                "period_code": "P1M",
                "price": {"amount": "500.00", "currency": "EUR"},
            },
            {
                "effective_date": "2024-06-01",
                "category_id": "SUPPORT",
                "project_id": "P-1",
                "subscription_id": "S-1",
                "period_code": "P3M",
                "price": {"amount": "1234.5", "currency": "SEK"},
            },
            {
                "effective_date": "2024-02-29",
                "project_id": "P-1",
                "period_code": "P1M",
                "price": {"amount": "0", "currency": "JPY"},
            },
        ]
    }
)
EVERY_RULE = Rules(
    {
        "stage_graphs": {"SERVICE": EXAMPLE_STAGE_GRAPH},
        "calendars": {"MAIN": MAIN},
        "slas": {"STANDARD": STANDARD, "BASIC": INLINE},
        "subscription_groups": {"QUARTERLY": QUARTERLY_GROUP, "MONTHLY": MONTHLY_GROUP},
        "price_tables": {"STANDARD PRICES": PRICES, "EMPTY": PriceTable(())},
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
    assert loaded.subscription_groups["QUARTERLY"] == QUARTERLY_GROUP
    assert loaded.subscription_groups["MONTHLY"] == MONTHLY_GROUP
    assert loaded.price_tables["STANDARD PRICES"] == PRICES
    assert loaded.price_tables["EMPTY"] == PriceTable(())


@pytest.mark.parametrize("suffix", [".toml", ".json"])
def test_money_dates_and_optional_keys_of_billing_rules_survive_a_file(
    tmp_path: Path, suffix: str
) -> None:
    path = tmp_path / f"rules{suffix}"
    dump_rules(EVERY_RULE, path)
    loaded = load_rules(path)
    blank, full, leap = loaded.price_tables["STANDARD PRICES"].entries
    assert (blank.category_id, blank.project_id, blank.subscription_id) == (None, None, None)
    assert (full.category_id, full.project_id, full.subscription_id) == ("SUPPORT", "P-1", "S-1")
    assert full.price.amount == Decimal("1234.50")
    assert full.price.currency.code == "SEK"
    assert str(leap.price) == "0 JPY"
    assert leap.effective_date == date(2024, 2, 29)
    assert loaded.subscription_groups["MONTHLY"].accrual_period_code is None
    assert str(loaded.subscription_groups["QUARTERLY"].accrual_period_code) == "P1M"
    text = path.read_text("utf-8")
    assert "null" not in text
    assert "None" not in text


def test_a_price_table_is_written_as_one_toml_table_per_entry_with_money_inline() -> None:
    table = PriceTable(PRICES.entries[:2])
    text = format_rules(Rules({"price_tables": {"STD": table}}), format="toml")
    assert text == (
        "[[price_tables.STD.entries]]\n"
        'effective_date = "2024-01-01"\n'
        'period_code = "P1M"\n'
        'price = {amount = "500.00", currency = "EUR"}\n'
        "\n"
        "[[price_tables.STD.entries]]\n"
        'effective_date = "2024-06-01"\n'
        'category_id = "SUPPORT"\n'
        'project_id = "P-1"\n'
        'subscription_id = "S-1"\n'
        'period_code = "P3M"\n'
        'price = {amount = "1234.50", currency = "SEK"}\n'
    )
    assert parse_rules(text, format="toml").price_tables["STD"] == table


def test_json_nulls_of_optional_billing_keys_read_as_left_out() -> None:
    text = """{
        "subscription_groups": {"M": {"invoicing_period_code": "P1M", "accrual_period_code": null}},
        "price_tables": {"STD": {"entries": [{"effective_date": "2024-01-01",
            "category_id": null, "project_id": null, "subscription_id": null,
            "period_code": "P1M", "price": {"amount": "5.00", "currency": "EUR"}}]}}
    }"""
    rules = parse_rules(text, format="json")
    assert rules.subscription_groups["M"] == SubscriptionGroup.from_dict(
        {"id": "M", "invoicing_period_code": "P1M"}
    )
    (entry,) = rules.price_tables["STD"].entries
    assert (entry.category_id, entry.project_id, entry.subscription_id) == (None, None, None)
    assert "null" not in format_rules(rules, format="json")


def test_billing_rules_written_by_hand_in_toml_load_with_native_dates(tmp_path: Path) -> None:
    path = tmp_path / "rules.toml"
    path.write_text(
        """
[subscription_groups.QUARTERLY]
invoicing_period_code = "P3M"
accrual_period_code = "P1M"
accrue_revenue = true

[[price_tables.STANDARD.entries]]
effective_date = 2024-01-01  # a TOML date
period_code = "P3M"
price = {amount = "300.00", currency = "EUR"}

[[price_tables.STANDARD.entries]]
effective_date = "2024-07-01"  # or ISO text
category_id = "SUPPORT"
period_code = "P3M"
price = {amount = "330.00", currency = "EUR"}
""",
        "utf-8",
    )
    rules = load_rules(path)
    group = rules.subscription_groups["QUARTERLY"]
    assert group.id == "QUARTERLY"
    assert group.name == ""
    assert group.accrual_policy is not None
    first, second = rules.price_tables["STANDARD"].entries
    assert (first.effective_date, second.effective_date) == (date(2024, 1, 1), date(2024, 7, 1))
    assert second.price == Money.of("330.00", "EUR")


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
    types = RULE_TYPES.with_rule("schedules", Schedule)
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


def test_registering_on_one_registry_leaves_the_default_and_every_other_unchanged() -> None:
    built_in = RULE_TYPES.sections()
    other = RuleTypes.default()
    host = RULE_TYPES.with_rule("schedules", Schedule)
    extended = host.with_type(next(iter(RuleTypes().with_rule("prices", PriceTable))))
    assert RULE_TYPES.sections() == built_in == other.sections()
    assert host.sections() == (*built_in, "schedules")
    assert extended.sections() == (*built_in, "schedules", "prices")
    assert RuleTypes().sections() == ()
    assert RuleTypes.default() == RULE_TYPES
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        RULE_TYPES.types = ()  # type: ignore[misc]
    assert not hasattr(RULE_TYPES, "add")
    assert not hasattr(RULE_TYPES, "register")
    text = '[schedules.BILLING]\nperiod_code = "P1M"\nanchor = "2025-01-31"\n'
    assert parse_rules(text, format="toml", types=host).section("schedules")
    with pytest.raises(InvalidRulesError, match="unknown key of a rules file"):
        parse_rules(text, format="toml")


def test_built_in_billing_rule_types_are_read_by_their_from_dict() -> None:
    assert RULE_TYPES.sections() == (
        "stage_graphs",
        "calendars",
        "slas",
        "subscription_groups",
        "price_tables",
        "fault_taxonomies",
        "skills",
        "dispatch_parameters",
    )
    named_by_id = {rule_type.section: rule_type.named_by_id for rule_type in RULE_TYPES}
    assert named_by_id["subscription_groups"]
    assert not named_by_id["price_tables"]
    assert not named_by_id["fault_taxonomies"]
    assert named_by_id["skills"]
    assert not named_by_id["dispatch_parameters"]


def test_a_section_is_registered_once() -> None:
    with pytest.raises(InvalidInputError, match="a rule type of this section is registered"):
        RULE_TYPES.with_rule("calendars", WorkingCalendar)
    (calendars,) = [rule_type for rule_type in RULE_TYPES if rule_type.section == "calendars"]
    with pytest.raises(InvalidInputError, match="a rule type of this section is registered"):
        RuleTypes((calendars, calendars))
    with pytest.raises(InvalidInputError, match=r"^rule_type="):
        RULE_TYPES.with_type("calendars")  # type: ignore[arg-type]


# ----------------------------------------------------------------------- bad input

BAD_TOML = [
    (
        '[calendar.MAIN]\nzone = "UTC"\n',
        (
            "rules.toml: calendar={'MAIN': {'zone': 'UTC'}}: unknown key of a rules file; "
            "expected stage_graphs, calendars, slas, subscription_groups, price_tables, "
            "fault_taxonomies, skills, dispatch_parameters"
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
        "rules.toml: slas.STD.calendar='NOPE': no calendar of this id: the file has no calendars",
    ),
    (
        (
            '[calendars.MAIN]\nzone = "UTC"\nweekly = {mon = ["08:00-17:00"]}\n'
            '[calendars.NIGHT]\nzone = "UTC"\nweekly = {mon = ["22:00-06:00"]}\n'
            '[slas.STD]\nresolution = "PT8H"\ncalendar = "MAINS"\n'
        ),
        (
            "rules.toml: slas.STD.calendar='MAINS': "
            "no calendar of this id in the file's calendars; known: MAIN, NIGHT"
        ),
    ),
    (
        '[subscription_groups.Q]\ninvoicing_period_code = "P3M"\naccrual_period = "P1M"\n',
        (
            "rules.toml: subscription_groups.Q.accrual_period='P1M': unknown key of "
            "SubscriptionGroup; expected id, invoicing_period_code, name, "
            "accrual_period_code, accrue_revenue, accrual_method, rounding_period, reversal"
        ),
    ),
    (
        "[subscription_groups.Q]\nname = 'Quarterly'\n",
        (
            "rules.toml: subscription_groups.Q.invoicing_period_code=None: "
            "this key of SubscriptionGroup is required"
        ),
    ),
    (
        '[subscription_groups.Q]\nid = "M"\ninvoicing_period_code = "P3M"\n',
        "rules.toml: subscription_groups.Q.id='M': the id of a rule is its name in the file, 'Q'",
    ),
    (
        '[subscription_groups.M]\ninvoicing_period_code = "P1M"\naccrual_period_code = "P3M"\n',
        (  # the value is the parsed period code (SubscriptionGroup's constructor names it)
            "rules.toml: subscription_groups.M.accrual_period_code="
            "PeriodCode(unit=<PeriodUnit.QUARTER: 'quarter'>, count=1): "
            "invoicing period code P1M allows only the accrual period codes P1M, P1D"
        ),
    ),
    (
        '[subscription_groups.M]\ninvoicing_period_code = "P1M"\naccrual_method = "daily"\n',
        (
            "rules.toml: subscription_groups.M.accrual_method='daily': "
            "expected one of 'equal', 'per_day'"
        ),
    ),
    (
        (
            "[price_tables.STD]\nentries = [{effective_date = 2024-01-01, period_code = 'P1M', "
            "price = {amount = '5.001', currency = 'EUR'}}]\n"
        ),
        (
            "rules.toml: price_tables.STD.entries[0].price.amount=Decimal('5.001'): "
            "EUR has 2 decimals; round explicitly with Money.rounded(amount, currency, rounding)"
        ),
    ),
    (
        (
            "[price_tables.STD]\nentries = [{effective_date = 2024-01-01, period_code = 'P1M', "
            "price = {amount = 5, currency = 'EUR'}}]\n"
        ),
        "rules.toml: price_tables.STD.entries[0].price.amount=5: expected a string, got int",
    ),
    (
        (
            "[price_tables.STD]\nentries = [{effective_date = 2024-01-01, period_code = 'P1M', "
            "price = {amount = '5.00', currency = 'EUR'}, project = 'P-1'}]\n"
        ),
        (
            "rules.toml: price_tables.STD.entries[0].project='P-1': unknown key of "
            "PriceEntry; expected effective_date, period_code, price, category_id, "
            "project_id, subscription_id"
        ),
    ),
    (
        (
            "[price_tables.STD]\nentries = [{effective_date = 2024-02-30, period_code = 'P1M', "
            "price = {amount = '5.00', currency = 'EUR'}}]\n"
        ),
        "rules.toml: not valid TOML: Invalid date or datetime (at line 2, column 30)",
    ),
    (
        (
            "[price_tables.STD]\nentries = [{effective_date = '2024-02-30', period_code = 'P1M', "
            "price = {amount = '5.00', currency = 'EUR'}}]\n"
        ),
        (
            "rules.toml: price_tables.STD.entries[0].effective_date='2024-02-30': "
            "no such date in the calendar"
        ),
    ),
    (
        "[price_tables.STD]\nid = 'STD'\nentries = []\n",
        "rules.toml: price_tables.STD.id='STD': unknown key of PriceTable; expected entries",
    ),
    (
        "[price_tables.STD]\n",
        "rules.toml: price_tables.STD.entries=None: this key of PriceTable is required",
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
        (  # a rule's own "name" key is named by its path, not taken for the rule's name
            '{"subscription_groups": {"M": {"invoicing_period_code": "P1M", "name": null}}}',
            "rules.json: subscription_groups.M.name=None: expected a string, got NoneType",
        ),
        (
            '{"slas": {"STD": {"resolution": "PT8H", "calendar": "MAIN"}}}',
            (
                "rules.json: slas.STD.calendar='MAIN': "
                "no calendar of this id: the file has no calendars"
            ),
        ),
        (
            (
                '{"price_tables": {"STD": {"entries": [{"effective_date": 20240101, '
                '"period_code": "P1M", "price": {"amount": "5.00", "currency": "EUR"}}]}}}'
            ),
            (
                "rules.json: price_tables.STD.entries[0].effective_date=20240101: "
                "expected an ISO date such as '2024-01-31'"
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
    # The message shortens a long path; the error's value keeps the whole of it.
    path = tmp_path / "absent.toml"
    with pytest.raises(InvalidRulesError, match=r"^absent.toml: path='.*: No such file") as raised:
        load_rules(path)
    assert raised.value.value == str(path)


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
    """Rules of every built-in type: calendars named by id, SLAs naming one of them,
    subscription groups named by id and price tables by any name."""
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
    groups = draw(st.lists(subscription_groups(), max_size=2, unique_by=lambda g: g.id))
    tables = draw(
        st.dictionaries(st.sampled_from(["STD", "list prices", "Ö"]), price_tables(), max_size=2)
    )
    return Rules(
        {
            "stage_graphs": graphs,
            "calendars": calendars,
            "slas": slas,
            "subscription_groups": {group.id: group for group in groups},
            "price_tables": tables,
        }
    )


@given(rule_sets(), st.sampled_from(["toml", "json"]))
def test_generated_rules_round_trip_through_toml_and_json(rules: Rules, format: str) -> None:
    text = format_rules(rules, format=format)
    assert parse_rules(text, format=format) == rules
