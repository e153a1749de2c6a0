"""Issue 16, item 9: ``report repair-history OBJECT`` over the demo's stored repair."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from cli_helpers import run
from servicedomain.adapters.sql import open_store
from servicedomain.demo import run_demo
from servicedomain.reports import render, repair_history


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file the demo stored on: LAPTOP-1, order SO-3001, BOM-LAPTOP-1."""
    path = tmp_path_factory.mktemp("repairs") / "demo.db"
    run_demo(io.StringIO(), path)
    return path


def _expected(database: Path, format_: str, locale: str = "en", zone: str = "UTC") -> str:
    """The report built from the stored values through the library."""
    store = open_store(f"sqlite:///{database}")
    try:
        with store.unit_of_work() as uow:
            laptop = uow.service_objects.get("LAPTOP-1")
            orders = [uow.service_orders.get("SO-3001")]
            boms = uow.service_boms.for_object("LAPTOP-1")
    finally:
        store.dispose()
    return render(repair_history(laptop, orders, boms, zone=zone).view(), format_, locale=locale)


@pytest.mark.parametrize("format_", ["text", "csv", "json", "html"])
def test_the_command_prints_the_library_report_in_each_format(database: Path, format_: str) -> None:
    result = run(database, "report", "repair-history", "LAPTOP-1", "--format", format_)
    assert result.exit_code == 0, result.output
    assert result.output == _expected(database, format_)


def test_the_rows_are_the_repair_steps_and_the_bom_change_by_date(database: Path) -> None:
    result = run(database, "report", "repair-history", "LAPTOP-1", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert [(row["on"], row["action"], row["number"]) for row in rows] == [
        ("2026-03-09", "repair", "1"),
        ("2026-03-10", "repair", "2"),
        ("2026-03-10", "replaced", "1"),
    ]
    assert (rows[2]["old_serial_number"], rows[2]["new_serial_number"]) == ("VC-100", "VC-200")
    loaded = json.loads(
        run(database, "report", "repair-history", "LAPTOP-1", "--format", "json").output
    )
    assert loaded["tables"]["entries"]["rows"][0]["resolution_id"] == "replaced"


def test_locale_zone_and_output_file(database: Path, tmp_path: Path) -> None:
    target = tmp_path / "history.html"
    result = run(
        database,
        "report",
        "repair-history",
        "LAPTOP-1",
        "--format",
        "html",
        "--locale",
        "sv",
        "--zone",
        "Europe/Stockholm",
        "--output",
        str(target),
    )
    assert result.exit_code == 0, result.output
    assert "report repair-history: wrote" in result.output
    page = target.read_text(encoding="utf-8")
    assert page == _expected(database, "html", "sv", "Europe/Stockholm")
    assert "Reparationshistorik" in page


def test_an_unknown_object_exits_2_naming_it(database: Path) -> None:
    result = run(database, "report", "repair-history", "OBJ-404")
    assert result.exit_code == 2
    assert "id='OBJ-404': not found" in result.output
    assert "Traceback" not in result.output


def test_an_unknown_zone_exits_2_naming_it(database: Path) -> None:
    result = run(database, "report", "repair-history", "LAPTOP-1", "--zone", "Mars/Base")
    assert result.exit_code == 2
    assert "Mars/Base" in result.output
