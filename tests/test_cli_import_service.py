"""Issue 15, item 1: ``import agreements FILE`` and ``import orders FILE``, all or nothing."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest

from cli_helpers import run
from servicedomain.adapters.sql import open_store
from servicedomain.agreements import IntervalUnit, ServiceAgreement
from servicedomain.money import Money
from servicedomain.orders import ServiceOrder, TransactionType
from servicedomain.sla import Priority, SlaEntryKind

RULES = """\
[calendars.MAIN]
zone = "Europe/Stockholm"

[calendars.MAIN.weekly]
mon = ["08:00-17:00"]

[slas.STANDARD]
resolution = "PT8H"
calendar = "MAIN"

[[stage_graphs.SERVICE.stages]]
id = "NEW"

[[stage_graphs.SERVICE.stages]]
id = "DONE"
parent = "NEW"
rules = {may_post = true}
"""
AGREEMENTS = (
    "agreement_id,customer_id,group_id,start_date,sla_id,line,transaction_type,"
    "line_description,quantity,unit,cost_price,sales_price,currency,interval_unit,"
    "interval_frequency,line_start_date\n"
    "AG-1,C-100,MAINT,2026-01-01,STANDARD,1,hour,Weekly pump inspection,1,h,42,85,EUR,"
    "week,1,2026-01-05\n"
    "AG-1,C-100,MAINT,2026-01-01,STANDARD,2,expense,Filter,1,pcs,10.00,15.00,EUR,"
    "month,1,2026-01-05\n"
    "AG-2,C-200,MAINT,2026-02-01,,1,hour,Quarterly check,2,h,40,80,EUR,month,3,2026-02-02\n"
)
ORDERS = (
    "order_id,customer_id,description,agreement_id,priority,sla_id,line,transaction_type,"
    "line_description,quantity,unit,cost_price,sales_price,currency\n"
    "SO-10,C-100,Pump leaks,AG-1,high,STANDARD,1,hour,Repair,2,h,42,85,EUR\n"
    "SO-10,C-100,Pump leaks,AG-1,high,STANDARD,2,item,Gasket,1,pcs,3.50,9.90,EUR\n"
    "SO-11,C-300,Boiler check,,,,,,,,,,,\n"
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


def _stored(database: Path) -> tuple[list[ServiceAgreement], list[ServiceOrder]]:
    store = open_store(f"sqlite:///{database}")
    try:
        with store.unit_of_work() as uow:
            return list(uow.agreements.list()), list(uow.service_orders.list())
    finally:
        store.dispose()


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _import_agreements(database: Path, tmp_path: Path, name: str) -> None:
    result = run(database, "import", "agreements", str(_write(tmp_path, name, AGREEMENTS)))
    assert result.exit_code == 0, result.output


def _as_json(text: str) -> str:
    rows = [
        {key: value for key, value in row.items() if value != ""}
        for row in csv.DictReader(io.StringIO(text))
    ]
    return json.dumps(rows)


def test_import_agreements_from_csv_then_again_nothing(database: Path, tmp_path: Path) -> None:
    path = _write(tmp_path, "agreements.csv", AGREEMENTS)
    result = run(database, "import", "agreements", str(path))
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "added AG-1",
        "added AG-2",
        "import agreements agreements.csv: imported 2 agreements, 0 unchanged",
    ]
    (first, second), _orders = _stored(database)
    assert first.sla_id == "STANDARD"
    assert [line.number for line in first.lines] == [1, 2]
    assert first.lines[1].sales_price == Money.of("15.00", "EUR")
    assert first.lines[0].interval is not None
    assert first.lines[0].interval.unit is IntervalUnit.WEEK
    assert second.lines[0].interval is not None
    assert second.lines[0].interval.frequency == 3
    before = _counts(database)
    again = run(database, "import", "agreements", str(path))
    assert again.output == (
        "import agreements agreements.csv: imported nothing, 2 agreements unchanged\n"
    )
    assert _counts(database) == before


def test_the_same_agreements_as_json_are_unchanged(database: Path, tmp_path: Path) -> None:
    _import_agreements(database, tmp_path, "a.csv")
    before = _counts(database)
    path = _write(tmp_path, "a.json", _as_json(AGREEMENTS))
    result = run(database, "import", "agreements", str(path))
    assert result.exit_code == 0, result.output
    assert result.output == "import agreements a.json: imported nothing, 2 agreements unchanged\n"
    assert _counts(database) == before


def test_import_orders_in_the_root_stage_with_their_sla_clock_then_again_nothing(
    database: Path, tmp_path: Path
) -> None:
    _import_agreements(database, tmp_path, "a.csv")
    path = _write(tmp_path, "orders.csv", ORDERS)
    result = run(database, "import", "orders", str(path))
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "added SO-10",
        "added SO-11",
        "import orders orders.csv: imported 2 orders, 0 unchanged",
    ]
    _agreements, (repair, check) = _stored(database)
    assert repair.stage_id == "NEW"
    assert repair.priority is Priority.HIGH
    assert [(line.transaction_type, line.quantity) for line in repair.lines] == [
        (TransactionType.HOUR, Decimal(2)),
        (TransactionType.ITEM, Decimal(1)),
    ]
    assert [entry.kind for entry in repair.sla_log] == [SlaEntryKind.START]
    assert check.lines == ()
    assert check.sla_id is None
    before = _counts(database)
    again = run(database, "import", "orders", str(path))
    assert again.output == "import orders orders.csv: imported nothing, 2 orders unchanged\n"
    assert _counts(database) == before
    as_json = run(database, "import", "orders", str(_write(tmp_path, "o.json", _as_json(ORDERS))))
    assert as_json.output == "import orders o.json: imported nothing, 2 orders unchanged\n"
    assert _counts(database) == before


def test_every_bad_order_row_is_reported_with_its_line_and_nothing_is_imported(
    database: Path, tmp_path: Path
) -> None:
    text = (
        ORDERS.splitlines(keepends=True)[0]
        + "SO-20,C-100,Pump,AG-9,high,STANDARD,1,hour,Repair,2,h,42,85,EUR\n"
        + "SO-20,C-100,Pump,AG-9,high,STANDARD,1,item,Gasket,1,pcs,3.50,9.90,EUR\n"
        + "SO-21,C-100,Pump,,urgent,,1,hour,Repair,2.5.1,h,42,85,EUR\n"
        + "SO-22,C-101,Pump,,,,1,hour,Repair,2,h,42,85,\n"
        + "SO-23,C-101,Pump,,,,1,hour,Repair,2,h,42,85,EUR\n"
        + "SO-23,C-102,Pump,,,,3,hour,Repair,2,h,42,85,EUR\n"
        + "SO-24,C-101,Pump,,,NOSLA,1,fee,Call-out,1,,0,50,EUR\n"
    )
    before = _counts(database)
    result = run(database, "import", "orders", str(_write(tmp_path, "bad.csv", text)))
    assert result.exit_code == 2
    assert result.output.splitlines() == [
        "servicedomain import orders: bad.csv: 8 bad rows, nothing imported:",
        "  line 2: agreement_id='AG-9': no such agreement is stored; stored: none",
        "  line 3: order_id='SO-20' line=1: a duplicate of line 2",
        (
            "  line 4: priority='urgent': not a Priority value; "
            "the valid values are 'high', 'normal', 'low'"
        ),
        "  line 4: quantity='2.5.1': not a decimal number",
        "  line 5: currency=None: a required column is empty or missing",
        "  line 7: customer_id='C-102': differs from line 6 ('C-101')",
        (
            "  line 7: order_id='SO-23' line=3: expected line 2 "
            "(the lines of an id are numbered 1, 2, ... in order)"
        ),
        "  line 8: sla_id='NOSLA': no such SLA is stored; stored: STANDARD",
    ]
    assert _counts(database) == before


def test_a_float_amount_in_json_is_refused_naming_the_item(database: Path, tmp_path: Path) -> None:
    row = {
        "order_id": "SO-1",
        "customer_id": "C-100",
        "line": 1,
        "transaction_type": "hour",
        "quantity": "1",
        "cost_price": "42",
        "sales_price": 85.5,
        "currency": "EUR",
    }
    before = _counts(database)
    path = _write(tmp_path, "float.json", json.dumps([row]))
    result = run(database, "import", "orders", str(path))
    assert result.exit_code == 2
    assert "  item 1: sales_price=85.5: a float is not money" in result.output
    floated = {**row, "sales_price": "85", "quantity": 1.5}
    result = run(
        database, "import", "orders", str(_write(tmp_path, "q.json", json.dumps([floated])))
    )
    assert result.exit_code == 2
    assert "  item 1: quantity=1.5: expected a decimal string" in result.output
    assert _counts(database) == before


def test_an_agreement_stored_with_other_values_is_refused(database: Path, tmp_path: Path) -> None:
    _import_agreements(database, tmp_path, "a.csv")
    changed = AGREEMENTS.replace("Filter,1,pcs", "Filter,2,pcs")
    before = _counts(database)
    result = run(database, "import", "agreements", str(_write(tmp_path, "b.csv", changed)))
    assert result.exit_code == 2
    assert (
        "  line 2: id='AG-1': stored already with other values "
        "(line 2: quantity is 1 there, 2 here)"
    ) in result.output
    assert _counts(database) == before


def test_a_bad_agreement_file_names_the_column(database: Path, tmp_path: Path) -> None:
    text = AGREEMENTS.replace("interval_unit", "interval_kind", 1)
    result = run(database, "import", "agreements", str(_write(tmp_path, "c.csv", text)))
    assert result.exit_code == 2
    assert "  line 2: interval_kind='week': unknown column; known: agreement_id," in result.output
    missing = AGREEMENTS.replace(",2026-01-05\n", ",\n", 1)
    result = run(database, "import", "agreements", str(_write(tmp_path, "d.csv", missing)))
    assert result.exit_code == 2
    assert "  line 2: line_start_date=None: a required column is empty or missing" in (
        result.output
    )


def test_a_dry_run_of_an_import_checks_and_stores_nothing(database: Path, tmp_path: Path) -> None:
    before = _counts(database)
    path = _write(tmp_path, "a.csv", AGREEMENTS)
    result = run(database, "import", "agreements", str(path), "--dry-run")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == (
        "import agreements a.csv: (dry run) would have imported 2 agreements, 0 unchanged"
    )
    assert _counts(database) == before
    orders = run(database, "import", "orders", str(_write(tmp_path, "o.csv", ORDERS)), "--dry-run")
    assert orders.exit_code == 2  # SO-10 names AG-1, which the dry run did not store
    assert "agreement_id='AG-1': no such agreement is stored" in orders.output


def test_import_and_report_on_sqlite_and_postgresql(database_url: str, tmp_path: Path) -> None:
    """The imports and the reports need nothing of SQLite: the same on PostgreSQL."""
    rules = _write(tmp_path, "rules.toml", RULES)
    assert run(database_url, "db", "upgrade").exit_code == 0
    assert run(database_url, "rules", "load", str(rules)).exit_code == 0
    agreements = _write(tmp_path, "a.csv", AGREEMENTS)
    orders = _write(tmp_path, "o.csv", ORDERS)
    for kind, path in (("agreements", agreements), ("orders", orders)):
        result = run(database_url, "import", kind, str(path))
        assert result.exit_code == 0, result.output
    store = open_store(database_url)
    try:
        before = store.row_counts()
        for kind, path in (("agreements", agreements), ("orders", orders)):
            assert "imported nothing" in run(database_url, "import", kind, str(path)).output
        assert store.row_counts() == before
    finally:
        store.dispose()
    margin = run(database_url, "report", "margin", "--format", "csv")
    assert margin.output.splitlines() == [
        "order_id,transaction_type,currency,revenue,cost,margin,margin_percent",
        "SO-10,hour,EUR,170.00,84.00,86.00,50.59",
        "SO-10,item,EUR,9.90,3.50,6.40,64.65",
    ]
    measured = run(database_url, "sla", "measure", "SO-10")
    assert measured.exit_code == 0, measured.output
    assert "SLA: STANDARD" in measured.output


OBJECT_AGREEMENTS = (
    "agreement_id,customer_id,group_id,start_date,line,transaction_type,quantity,"
    "cost_price,sales_price,currency,line_start_date,object_id\n"
    "AG-7,C-100,MAINT,2026-01-01,1,hour,1,40,85,EUR,2026-01-05,PUMP-1\n"
    "AG-7,C-100,MAINT,2026-01-01,2,hour,1,40,85,EUR,2026-01-05,PUMP-1\n"
    "AG-7,C-100,MAINT,2026-01-01,3,hour,1,40,85,EUR,2026-01-05,\n"
)
OBJECT_ORDERS = (
    "order_id,customer_id,agreement_id,line,transaction_type,quantity,cost_price,"
    "sales_price,currency,object_id\n"
    "SO-70,C-100,AG-7,1,hour,1,40,85,EUR,PUMP-1\n"
    "SO-70,C-100,AG-7,2,hour,1,40,85,EUR,BOILER-1\n"
    "SO-71,C-100,,1,hour,1,40,85,EUR,BOILER-1\n"
)


def test_the_object_id_column_relates_the_objects_the_lines_name(
    database: Path, tmp_path: Path
) -> None:
    for kind, name, text in (
        ("agreements", "objects.csv", OBJECT_AGREEMENTS),
        ("orders", "object-orders.csv", OBJECT_ORDERS),
    ):
        path = _write(tmp_path, name, text)
        assert run(database, "import", kind, str(path)).exit_code == 0
    (agreement,), orders = _stored(database)
    assert [line.service_object_id for line in agreement.lines] == ["PUMP-1", "PUMP-1", None]
    assert [(r.id, r.object_id, r.kind.value, r.key) for r in agreement.object_relations] == [
        ("AG-7/PUMP-1", "PUMP-1", "agreement", "AG-7")
    ]
    on_agreement, alone = sorted(orders, key=lambda order: order.id)
    # the order carries its agreement's relation unchanged, and relates the other object
    assert [r.id for r in on_agreement.object_relations] == ["AG-7/PUMP-1", "SO-70/BOILER-1"]
    assert on_agreement.object_relations[0] == agreement.object_relations[0]
    assert [r.id for r in alone.object_relations] == ["SO-71/BOILER-1"]
    before = _counts(database)
    again = run(database, "import", "orders", str(tmp_path / "object-orders.csv"))
    assert "imported nothing, 2 orders unchanged" in again.output
    assert _counts(database) == before
