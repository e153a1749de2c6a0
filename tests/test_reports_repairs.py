"""Issue 16, item 8: the repair history of an object, repair lines on the work documents."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from report_parsing import parse_page
from servicedomain.errors import InvalidInputError, InvalidTimezoneError, TypeMismatchError
from servicedomain.orders import ServiceOrder
from servicedomain.repairs import (
    BomLine,
    FaultTaxonomy,
    RelationKind,
    ServiceBom,
    ServiceObject,
    ServiceObjectRelation,
    TemplateBom,
)
from servicedomain.reports import (
    RepairHistory,
    RepairHistoryAction,
    ReportColumn,
    ReportTable,
    ReportView,
    render,
    render_csv,
    repair_history,
    work_description,
    work_receipt,
)
from servicedomain.stages import EXAMPLE_STAGE_GRAPH as GRAPH
from servicedomain.testing.domain_strategies import repair_histories, service_orders

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TAXONOMY = FaultTaxonomy.from_dict(
    {
        "symptom_areas": [{"id": "hard drive"}],
        "symptom_codes": [{"area": "hard drive", "id": "blue screen"}],
        "conditions": [{"id": "fails after extended use"}],
        "diagnosis_areas": [{"id": "defective part"}],
        "diagnosis_codes": [{"area": "defective part", "id": "new video card installed"}],
        "resolutions": [{"id": "replaced"}],
        "repair_stages": [{"id": "DIAGNOSIS"}, {"id": "REPAIRED", "finished": True}],
    }
)
LAPTOP, _ = ServiceObject.create(
    id="LAPTOP-1", group_id="PC", at=AT, description="Laptop", serial_number="SN-1"
)
RELATION = ServiceObjectRelation("REL-1", "LAPTOP-1", RelationKind.ORDER, "SO-1")
OTHER = ServiceObjectRelation("REL-2", "PRINTER-1", RelationKind.ORDER, "SO-1")


def repaired_order() -> ServiceOrder:
    """SO-1 on the laptop and a printer: two repair lines on the laptop (one finished)."""
    order, _ = ServiceOrder.create(
        GRAPH, id="SO-1", customer_id="C-1", at=AT, object_relations=(RELATION, OTHER)
    )
    order, _ = order.add_repair_line(
        GRAPH,
        TAXONOMY,
        relation_id="REL-1",
        at=AT,
        symptom_area_id="hard drive",
        symptom_code_id="blue screen",
        condition_id="fails after extended use",
        stage_id="DIAGNOSIS",
        technician_id="W-7",
        description="Check the video card",
    )
    order, _ = order.change_repair_line(
        GRAPH,
        TAXONOMY,
        1,
        at=AT + timedelta(hours=2),
        diagnosis_area_id="defective part",
        diagnosis_code_id="new video card installed",
        resolution_id="replaced",
    )
    order, _ = order.move_repair_line(GRAPH, TAXONOMY, 1, "REPAIRED", at=AT + timedelta(hours=3))
    order, _ = order.add_repair_line(
        GRAPH, TAXONOMY, relation_id="REL-1", at=AT + timedelta(days=2), description="Clean fan"
    )
    order, _ = order.add_repair_line(
        GRAPH,
        TAXONOMY,
        relation_id="REL-2",
        at=AT + timedelta(days=3),
        description="Not the laptop",
    )
    return order


def replaced_bom() -> ServiceBom:
    template = TemplateBom(
        id="T-PC",
        lines=[
            BomLine(line_id="1", item_id="PC", quantity=1, unit="pcs"),
            BomLine(
                line_id="2",
                item_id="GPU-1",
                quantity=1,
                unit="pcs",
                parent_id="1",
                serial_number="G-100",
            ),
        ],
    )
    bom, _ = ServiceBom.attach(template, id="B-1", relation=RELATION, on=date(2026, 3, 1), at=AT)
    bom, _ = bom.replace_item(
        "2",
        new_item_id="GPU-2",
        new_serial_number="G-200",
        on=date(2026, 3, 2),
        order_id="SO-1",
        at=AT,
    )
    bom, _ = bom.update_quantity("1", 2, on=date(2026, 3, 3), order_id="SO-1", at=AT)
    return bom


def test_the_history_lists_the_objects_repair_steps_and_bom_changes_by_date() -> None:
    history = repair_history(LAPTOP, [repaired_order()], [replaced_bom()])
    assert [(e.on, e.action, e.number) for e in history.entries] == [
        (date(2026, 3, 2), RepairHistoryAction.REPAIR, 1),
        (date(2026, 3, 2), RepairHistoryAction.REPLACED, 1),
        (date(2026, 3, 3), RepairHistoryAction.QUANTITY_UPDATED, 2),
        (date(2026, 3, 4), RepairHistoryAction.REPAIR, 2),
    ]
    step, replaced, updated, _ = history.entries
    assert (step.symptom_code_id, step.diagnosis_code_id, step.resolution_id) == (
        "blue screen",
        "new video card installed",
        "replaced",
    )
    assert step.finished_at == AT + timedelta(hours=3)
    assert (replaced.old_item_id, replaced.item_id) == ("GPU-1", "GPU-2")
    assert (replaced.old_serial_number, replaced.new_serial_number) == ("G-100", "G-200")
    assert (updated.quantity, updated.change) == (Decimal(3), Decimal(2))
    assert all(entry.order_id == "SO-1" for entry in history.entries)


def test_a_repair_line_on_another_objects_relation_is_left_out() -> None:
    history = repair_history(LAPTOP, [repaired_order()])
    assert "Not the laptop" not in [entry.description for entry in history.entries]
    assert len(history.repair_steps) == 2


def test_every_format_carries_the_rows_of_the_data_model() -> None:
    history = repair_history(LAPTOP, [repaired_order()], [replaced_bom()])
    rows = list(csv.DictReader(io.StringIO(history.render_csv())))
    assert [row["action"] for row in rows] == [e.action.value for e in history.entries]
    assert rows[0]["symptom"] == "hard drive / blue screen"
    assert rows[1]["old_serial_number"] == "G-100"
    loaded = json.loads(history.render_json())
    assert loaded["report"] == "repair_history"
    assert loaded["facts"]["repair_steps"] == "2"
    assert len(loaded["tables"]["entries"]["rows"]) == 4
    text = history.render_text()
    assert "Repair history: service object LAPTOP-1" in text
    assert "Part replaced" in text
    assert "G-200" in text
    parsed = parse_page(history.render_html())
    assert parsed.tables["entries"].body == history.view().tables[0].shown_rows
    assert len(parsed.tables["entries"].body) == len(history.entries)
    page = render(history.view(), "html", locale="sv")
    assert "Reparationshistorik" in page
    assert "Del utbytt" in page


def test_the_days_of_the_repair_steps_are_in_the_zone() -> None:
    order, _ = ServiceOrder.create(
        GRAPH, id="SO-1", customer_id="C-1", at=AT, object_relations=(RELATION,)
    )
    late = datetime(2026, 3, 2, 23, 30, tzinfo=UTC)
    order, _ = order.add_repair_line(GRAPH, TAXONOMY, relation_id="REL-1", at=late)
    assert repair_history(LAPTOP, [order]).entries[0].on == date(2026, 3, 2)
    stockholm = repair_history(LAPTOP, [order], zone="Europe/Stockholm")
    assert stockholm.entries[0].on == date(2026, 3, 3)


def test_a_bom_of_another_object_is_refused_naming_it() -> None:
    printer_bom, _ = ServiceBom.attach(
        TemplateBom(id="T-1", lines=[BomLine(line_id="1", item_id="P", quantity=1)]),
        id="B-9",
        relation=OTHER,
        on=date(2026, 3, 1),
        at=AT,
    )
    with pytest.raises(InvalidInputError, match="B-9") as raised:
        repair_history(LAPTOP, [], [printer_bom])
    assert raised.value.field == "boms"


def test_bad_arguments_are_refused_by_name() -> None:
    with pytest.raises(TypeMismatchError) as raised:
        repair_history("LAPTOP-1", [])  # type: ignore[arg-type]
    assert raised.value.field == "service_object"
    with pytest.raises(TypeMismatchError) as raised:
        repair_history(LAPTOP, ["SO-1"])  # type: ignore[list-item]
    assert raised.value.field == "orders[0]"


@given(st.lists(service_orders(max_steps=12), min_size=1, max_size=4, unique_by=lambda o: o.id))
def test_the_history_is_the_same_whatever_order_the_orders_come_in(
    orders: list[ServiceOrder],
) -> None:
    related = [r.object_id for order in orders for r in order.object_relations] or ["OBJ-1"]
    obj, _ = ServiceObject.create(id=related[0], group_id="G", at=AT)
    forward = repair_history(obj, orders)
    assert repair_history(obj, reversed(orders)) == forward
    keys = [entry.sort_key for entry in forward.entries]
    assert keys == sorted(keys)


@given(repair_histories())
def test_every_drawn_history_renders_one_row_per_entry(history: RepairHistory) -> None:
    rows = list(csv.DictReader(io.StringIO(history.render_csv())))
    assert [row["number"] for row in rows] == [str(e.number) for e in history.entries]


def test_history_from_shuffled_orders_and_boms_is_identical() -> None:
    order = repaired_order()
    again = ServiceObjectRelation("REL-3", "LAPTOP-1", RelationKind.ORDER, "SO-0")
    second, _ = ServiceOrder.create(
        GRAPH, id="SO-0", customer_id="C-1", at=AT, object_relations=(again,)
    )
    second, _ = second.add_repair_line(GRAPH, TAXONOMY, relation_id="REL-3", at=AT)
    forward = repair_history(LAPTOP, [order, second], [replaced_bom()])
    backward = repair_history(LAPTOP, [second, order], [replaced_bom()])
    assert forward == backward
    assert [e.order_id for e in forward.entries if e.on == date(2026, 3, 2)][:2] == [
        "SO-0",
        "SO-1",
    ]


# ------------------------------------------------------------- the work documents


def test_the_work_description_shows_the_reported_fault_per_object() -> None:
    printer, _ = ServiceObject.create(
        id="PRINTER-1", group_id="PR", at=AT, description="Office printer"
    )
    description = work_description(repaired_order(), objects=[LAPTOP, printer])
    faults = description.view().tables[1]
    assert faults.key == "repairs"
    assert faults.shown_rows[0][:4] == [
        "1",
        "LAPTOP-1 Laptop",
        "hard drive / blue screen",
        "fails after extended use",
    ]
    assert faults.shown_rows[2][1] == "PRINTER-1 Office printer"
    text = description.render_text()
    assert "Reported faults" in text
    # the CSV is the main table, as for an order without repair lines
    assert "blue screen" not in description.render_csv()


def test_the_work_receipt_shows_diagnosis_resolution_and_finish_time_in_the_zone() -> None:
    receipt = work_receipt(repaired_order(), objects=[LAPTOP])
    table = receipt.view("Europe/Stockholm").tables[1]
    assert table.title == "Repairs"
    assert table.records[0]["diagnosis"] == "defective part / new video card installed"
    assert table.records[0]["resolution_id"] == "replaced"
    assert table.records[0]["finished_at"] == "2026-03-02T13:00:00+01:00"
    assert table.records[1]["finished_at"] is None
    assert table.shown_rows[1][-1] == "-"
    assert "replaced" in receipt.render_text("UTC")


def test_an_order_without_repair_lines_keeps_one_table_per_document() -> None:
    order, _ = ServiceOrder.create(GRAPH, id="SO-1", customer_id="C-1", at=AT)
    assert len(work_description(order).view().tables) == 1
    assert len(work_receipt(order).view().tables) == 1
    assert "Repairs" not in work_receipt(order).render_text()


def test_a_csv_cell_holding_a_carriage_return_reads_back_as_one_cell() -> None:
    """Regression: ``\\r`` in a text cell was written unquoted and split the row."""
    view = ReportView(
        key="k",
        title="t",
        tables=[
            ReportTable(
                "rows",
                "",
                [ReportColumn("a", "A"), ReportColumn("n", "N", "number")],
                [("one\rtwo", 1), ("plain", 2)],
            )
        ],
    )
    read = list(csv.reader(io.StringIO(render_csv(view), newline="")))
    assert read == [["a", "n"], ["one\rtwo", "1"], ["plain", "2"]]


def test_a_history_in_an_unknown_zone_is_refused_naming_the_zone() -> None:
    history = repair_history(LAPTOP, [repaired_order()])
    with pytest.raises(InvalidTimezoneError) as raised:
        attrs.evolve(history, zone="Mars/Base")
    assert raised.value.field == "zone"
