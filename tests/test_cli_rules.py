"""Issue 15, item 1: ``rules load``, ``stages show`` and ``calendar deadline``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli_helpers import run
from servicedomain.adapters.sql import open_store
from servicedomain.cli import RULE_CODEC, RuleDocument, stored_rules

RULES = """\
[calendars.MAIN]
zone = "Europe/Stockholm"
holidays = [2026-04-03]

[calendars.MAIN.weekly]
mon = ["08:00-17:00"]
tue = ["08:00-17:00"]
wed = ["08:00-17:00"]
thu = ["08:00-17:00"]
fri = ["08:00-17:00"]

[slas.STANDARD]
resolution = "PT8H"
calendar = "MAIN"

[[stage_graphs.SERVICE.stages]]
id = "NEW"

[[stage_graphs.SERVICE.stages]]
id = "DONE"
parent = "NEW"
rules = {may_post = true, stops_sla_clock = true}

[subscription_groups.MONTHLY]
invoicing_period_code = "P1M"

[[price_tables.STANDARD.entries]]
effective_date = 2026-01-01
period_code = "P1M"
price = {amount = "150.00", currency = "EUR"}
"""


@pytest.fixture
def database(tmp_path: Path) -> Path:
    path = tmp_path / "desk.db"
    assert run(path, "db", "upgrade").exit_code == 0
    return path


def _counts(database: Path) -> dict[str, int]:
    store = open_store(f"sqlite:///{database}")
    try:
        return store.row_counts()
    finally:
        store.dispose()


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_rules_load_stores_every_rule_and_later_commands_read_them(
    database: Path, tmp_path: Path
) -> None:
    result = run(database, "rules", "load", str(_write(tmp_path, "rules.toml", RULES)))
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "added stage_graphs.SERVICE",
        "added calendars.MAIN",
        "added slas.STANDARD",
        "added subscription_groups.MONTHLY",
        "added price_tables.STANDARD",
        "rules load rules.toml: stored 5 new and 0 changed rules, 0 unchanged",
    ]
    store = open_store(f"sqlite:///{database}", codecs=(RULE_CODEC,))
    try:
        rules = stored_rules(store)
    finally:
        store.dispose()
    assert rules.slas["STANDARD"].calendar is rules.calendars["MAIN"]
    assert rules.stage_graphs["SERVICE"].stage("DONE").rules.may_post
    assert str(rules.price_tables["STANDARD"].entries[0].price) == "150.00 EUR"


def test_loading_the_same_file_again_changes_nothing(database: Path, tmp_path: Path) -> None:
    path = _write(tmp_path, "rules.toml", RULES)
    assert run(database, "rules", "load", str(path)).exit_code == 0
    before = _counts(database)
    again = run(database, "rules", "load", str(path))
    assert again.exit_code == 0
    assert again.output == "rules load rules.toml: nothing to store, 5 rules unchanged\n"
    assert _counts(database) == before


def test_the_same_rules_as_json_are_unchanged_and_a_changed_rule_gets_a_new_version(
    database: Path, tmp_path: Path
) -> None:
    from servicedomain.rules import format_rules, load_rules

    toml = _write(tmp_path, "rules.toml", RULES)
    assert run(database, "rules", "load", str(toml)).exit_code == 0
    as_json = _write(tmp_path, "rules.json", format_rules(load_rules(toml), format="json"))
    assert "nothing to store" in run(database, "rules", "load", str(as_json)).output
    data = json.loads(as_json.read_text())
    data["slas"]["STANDARD"]["resolution"] = "PT4H"
    changed = _write(tmp_path, "changed.json", json.dumps(data))
    result = run(database, "rules", "load", str(changed))
    assert result.exit_code == 0
    assert result.output.splitlines() == [
        "changed slas.STANDARD",
        "rules load changed.json: stored 0 new and 1 changed rules, 4 unchanged",
    ]
    store = open_store(f"sqlite:///{database}", codecs=(RULE_CODEC,))
    try:
        assert store.repository(RuleDocument).get("slas:STANDARD").version == 2
        assert stored_rules(store).slas["STANDARD"].targets.resolution.iso == "PT4H"
    finally:
        store.dispose()


def test_a_dry_run_validates_and_stores_nothing(database: Path, tmp_path: Path) -> None:
    before = _counts(database)
    path = _write(tmp_path, "rules.toml", RULES)
    result = run(database, "rules", "load", "--dry-run", str(path))
    assert result.exit_code == 0
    assert result.output.endswith("would store 5 new and 0 changed rules, 0 unchanged\n")
    assert _counts(database) == before


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        (
            "malformed.toml",
            RULES.replace('zone = "Europe/Stockholm"', 'zone = "Europe/Stockholm'),
            "servicedomain rules load: malformed.toml: ",
        ),
        (
            "stage.toml",
            RULES.replace('parent = "NEW"', 'parent = "NEWW"'),
            "servicedomain rules load: stage.toml: stage_graphs.SERVICE",
        ),
        (
            "float.toml",
            RULES.replace('amount = "150.00"', "amount = 150.5"),
            (
                "servicedomain rules load: float.toml: "
                "price_tables.STANDARD.entries[0].price.amount=150.5: "
            ),
        ),
        (
            "calendar.toml",
            RULES.replace('calendar = "MAIN"', 'calendar = "MAIM"'),
            "servicedomain rules load: calendar.toml: slas.STANDARD.calendar='MAIM': ",
        ),
    ],
)
def test_a_bad_file_exits_2_naming_the_file_the_key_and_writes_nothing(
    database: Path, tmp_path: Path, name: str, text: str, expected: str
) -> None:
    before = _counts(database)
    result = run(database, "rules", "load", str(_write(tmp_path, name, text)))
    assert result.exit_code == 2, result.output
    assert result.output.startswith(expected), result.output
    assert "Traceback" not in result.output
    assert _counts(database) == before


def test_the_malformed_toml_error_names_the_line(database: Path, tmp_path: Path) -> None:
    text = RULES.replace('zone = "Europe/Stockholm"', 'zone = "Europe/Stockholm')
    result = run(database, "rules", "load", str(_write(tmp_path, "bad.toml", text)))
    assert "line 2" in result.output


def test_a_missing_file_and_another_extension_exit_2(database: Path, tmp_path: Path) -> None:
    missing = run(database, "rules", "load", str(tmp_path / "nope.toml"))
    assert missing.exit_code == 2
    assert missing.output.startswith("servicedomain rules load: nope.toml: path=")
    other = run(database, "rules", "load", str(_write(tmp_path, "rules.yaml", "a: 1")))
    assert other.exit_code == 2
    assert "a rules file ends in .toml or .json" in other.output


def test_a_database_not_upgraded_is_bad_input(tmp_path: Path) -> None:
    path = _write(tmp_path, "rules.toml", RULES)
    (tmp_path / "new.db").touch()  # an empty SQLite database (a missing file: test_cli_app)
    result = run(tmp_path / "new.db", "rules", "load", str(path))
    assert result.exit_code == 2
    assert "run `servicedomain db upgrade` first" in result.output
    # The message names the database (not the missing revision) and what it found.
    assert "db='sqlite:///" in result.output
    assert "has no servicedomain tables" in result.output


@pytest.fixture
def loaded(database: Path, tmp_path: Path) -> Path:
    assert run(database, "rules", "load", str(_write(tmp_path, "r.toml", RULES))).exit_code == 0
    return database


def test_stages_show_prints_the_tree_and_the_mermaid_flowchart(loaded: Path) -> None:
    result = run(loaded, "stages", "show", "SERVICE")
    assert result.exit_code == 0
    assert result.output == "NEW  [modify]\n  DONE  [modify, post, stops_sla_clock]\n"
    mermaid = run(loaded, "stages", "show", "SERVICE", "--mermaid")
    assert mermaid.output.splitlines()[0] == "flowchart TD"
    assert "    s0 --> s1" in mermaid.output


def test_stages_show_of_an_unknown_graph_exits_2_naming_the_stored_ones(loaded: Path) -> None:
    result = run(loaded, "stages", "show", "REPAIR")
    assert result.exit_code == 2
    assert result.output == (
        "servicedomain stages show: stage_graphs.REPAIR: no such rule is stored; stored: SERVICE\n"
    )


def test_calendar_deadline_counts_working_time_over_the_holiday(loaded: Path) -> None:
    """Thursday 15:00 + 8 working hours: 2 on Thursday, Good Friday closed, 6 on Monday."""
    result = run(loaded, "calendar", "deadline", "MAIN", "2026-04-02T15:00", "PT8H")
    assert result.exit_code == 0
    assert (
        result.output == "deadline: 2026-04-06T14:00:00+02:00 (Mon 06 Apr 14:00 Europe/Stockholm)\n"
    )
    offset = run(loaded, "calendar", "deadline", "MAIN", "2026-04-02T13:00Z", "PT3H")
    assert offset.output.startswith("deadline: 2026-04-06T09:00:00+02:00")


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("MAIN", "2026-04-02T15:00", "PT8.5H"), "DURATION='PT8.5H': "),
        (("MAIN", "tomorrow", "PT8H"), "START='tomorrow': "),
        (("MAIN", "2026-03-29T02:30", "PT8H"), "wall_time="),
        (("OTHER", "2026-04-02T15:00", "PT8H"), "calendars.OTHER: no such rule is stored"),
    ],
)
def test_calendar_deadline_of_bad_input_exits_2(
    loaded: Path, args: tuple[str, ...], expected: str
) -> None:
    result = run(loaded, "calendar", "deadline", *args)
    assert result.exit_code == 2
    assert result.output.startswith(f"servicedomain calendar deadline: {expected}"), result.output


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        (("slas:STD", 0, "slas", "STD", {}), "version"),
        (("slas:STD", 1, "slas", "", {}), "name"),
        (("slas:STD", 1, "slas", "STD", []), "data"),
        (("calendars:STD", 1, "slas", "STD", {}), "id"),
    ],
)
def test_a_rule_document_names_a_bad_field(fields: tuple[object, ...], field: str) -> None:
    from servicedomain.errors import InvalidInputError

    with pytest.raises(InvalidInputError) as caught:
        RuleDocument(*fields)  # type: ignore[arg-type]
    assert caught.value.field == field
