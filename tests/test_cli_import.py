"""Issue 15, item 1: ``import subscriptions FILE`` (CSV or JSON), all or nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli_helpers import run
from servicedomain.adapters.sql import open_store

RULES = """\
[subscription_groups.MONTHLY]
invoicing_period_code = "P1M"

[subscription_groups.QUARTERLY]
invoicing_period_code = "P3M"
"""
HEADER = "id,group_id,customer_id,project_id,category_id,base_price,currency,start_date,end_date\n"
GOOD = (
    HEADER
    + "SUB-1,MONTHLY,C-100,P-1,FEE,150.00,EUR,2026-01-01,\n"
    + "SUB-2,QUARTERLY,C-200,P-1,FEE,300,EUR,2026-02-01,2026-12-31\n"
)


@pytest.fixture
def database(tmp_path: Path) -> Path:
    path = tmp_path / "desk.db"
    rules = tmp_path / "rules.toml"
    rules.write_text(RULES, encoding="utf-8")
    assert run(path, "db", "upgrade").exit_code == 0
    assert run(path, "rules", "load", str(rules)).exit_code == 0
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


def test_import_subscriptions_from_csv_then_again_nothing(database: Path, tmp_path: Path) -> None:
    path = _write(tmp_path, "subs.csv", GOOD)
    result = run(database, "import", "subscriptions", str(path))
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "added SUB-1",
        "added SUB-2",
        "import subscriptions subs.csv: imported 2 subscriptions, 0 unchanged",
    ]
    store = open_store(f"sqlite:///{database}")
    with store.unit_of_work() as uow:
        second = uow.subscriptions.get("SUB-2")
    store.dispose()
    assert str(second.base_price) == "300.00 EUR"
    assert second.group_id == "QUARTERLY"
    assert str(second.period_code) == "P3M"
    assert str(second.end_date) == "2026-12-31"
    before = _counts(database)
    again = run(database, "import", "subscriptions", str(path))
    assert again.exit_code == 0
    assert again.output == (
        "import subscriptions subs.csv: imported nothing, 2 subscriptions unchanged\n"
    )
    assert _counts(database) == before
    fees = run(database, "generate-fees", "--as-of", "2026-02-28")
    assert fees.output.splitlines()[-1] == (
        "generate-fees as of 2026-02-28: created 3 fees for 2 subscriptions, total 600.00 EUR"
    )


def test_the_same_rows_as_json_are_unchanged(database: Path, tmp_path: Path) -> None:
    assert (
        run(database, "import", "subscriptions", str(_write(tmp_path, "s.csv", GOOD))).exit_code
        == 0
    )
    rows = [
        {
            "id": "SUB-1",
            "group_id": "MONTHLY",
            "customer_id": "C-100",
            "project_id": "P-1",
            "category_id": "FEE",
            "base_price": "150.00",
            "currency": "EUR",
            "start_date": "2026-01-01",
        }
    ]
    path = _write(tmp_path, "s.json", json.dumps(rows))
    result = run(database, "import", "subscriptions", str(path))
    assert (
        result.output == "import subscriptions s.json: imported nothing, 1 subscription unchanged\n"
    )


def test_every_bad_row_is_reported_with_its_line_and_nothing_is_imported(
    database: Path, tmp_path: Path
) -> None:
    text = (
        HEADER
        + "SUB-1,MONTHLY,C-100,P-1,FEE,150.00,EUR,2026-01-01,\n"
        + "SUB-2,WEEKLY,C-100,P-1,FEE,10,EUR,2026-01-01,\n"
        + "SUB-3,MONTHLY,C-100,P-1,FEE,10.5.5,EUR,2026-01-01,\n"
        + "SUB-1,MONTHLY,C-100,P-1,FEE,150.00,EUR,2026-01-01,\n"
        + "SUB-4,MONTHLY,C-100,P-1,FEE,10,EUR,2026-02-30,\n"
        + "SUB-5,MONTHLY,C-100,P-1,FEE,10,EUR,2026-03-01,2026-02-01\n"
    )
    before = _counts(database)
    result = run(database, "import", "subscriptions", str(_write(tmp_path, "bad.csv", text)))
    assert result.exit_code == 2
    lines = result.output.splitlines()
    assert lines[0] == "servicedomain import subscriptions: bad.csv: 5 bad rows, nothing imported:"
    assert lines[1].startswith("  line 3: group_id='WEEKLY': no such subscription group")
    assert (
        lines[2]
        == "  line 4: base_price='10.5.5': expected a plain decimal string such as '1234.50'"
    )
    assert lines[3] == "  line 5: id='SUB-1': a duplicate of line 2"
    assert lines[4].startswith("  line 6: start_date='2026-02-30': ")
    assert lines[5].startswith("  line 7: end_date=")
    assert _counts(database) == before


def test_a_float_amount_in_json_is_refused_naming_the_item(database: Path, tmp_path: Path) -> None:
    row = {
        "id": "SUB-1",
        "group_id": "MONTHLY",
        "customer_id": "C-100",
        "project_id": "P-1",
        "category_id": "FEE",
        "base_price": 150.5,
        "currency": "EUR",
        "start_date": "2026-01-01",
    }
    path = _write(tmp_path, "float.json", json.dumps([row]))
    before = _counts(database)
    result = run(database, "import", "subscriptions", str(path))
    assert result.exit_code == 2
    assert "  item 1: base_price=150.5: a float is not money" in result.output
    assert _counts(database) == before


def test_a_row_stored_with_other_values_is_refused(database: Path, tmp_path: Path) -> None:
    assert (
        run(database, "import", "subscriptions", str(_write(tmp_path, "a.csv", GOOD))).exit_code
        == 0
    )
    changed = GOOD.replace("150.00,EUR", "175.00,EUR")
    before = _counts(database)
    result = run(database, "import", "subscriptions", str(_write(tmp_path, "b.csv", changed)))
    assert result.exit_code == 2
    assert (
        "  line 2: id='SUB-1': stored already with other values "
        "(base_price is 150.00 EUR there, 175.00 EUR here)"
    ) in result.output
    assert _counts(database) == before


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("cols.csv", "id,colour\nSUB-1,red\n", "line 2: colour='red': unknown column"),
        ("short.csv", HEADER + "SUB-1,MONTHLY\n", "line 2: customer_id=None: a required column"),
        ("subs.xlsx", GOOD, "an import file ends in .csv or .json"),
        ("broken.json", '[{"id": ', "line 1: not JSON"),
        ("object.json", '{"id": "SUB-1"}', "a JSON import holds a list of objects"),
    ],
)
def test_a_bad_file_exits_2_and_imports_nothing(
    database: Path, tmp_path: Path, name: str, text: str, expected: str
) -> None:
    before = _counts(database)
    result = run(database, "import", "subscriptions", str(_write(tmp_path, name, text)))
    assert result.exit_code == 2, result.output
    assert expected in result.output
    assert "Traceback" not in result.output
    assert _counts(database) == before


def test_a_dry_run_checks_and_imports_nothing(database: Path, tmp_path: Path) -> None:
    before = _counts(database)
    result = run(
        database, "import", "subscriptions", "--dry-run", str(_write(tmp_path, "s.csv", GOOD))
    )
    assert result.exit_code == 0
    assert result.output.endswith("(dry run) would have imported 2 subscriptions, 0 unchanged\n")
    assert _counts(database) == before
