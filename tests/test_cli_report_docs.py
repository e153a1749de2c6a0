"""docs/how-to/report-from-the-command-line.md: every console block prints what it shows.

The page runs on the database of run-batch-commands.md after its night (replayed
first); after its ``rules load sla.toml`` the host's order ``SO-7`` is stored through
the application objects, on a fixed clock, as the page says.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from report_parsing import assert_self_contained, parse_page, timeline_bands, timeline_markers
from servicedomain.adapters.clocks import FixedClock
from servicedomain.adapters.sql import open_store
from servicedomain.app import RepairDesk, ServiceDesk
from servicedomain.cli import RULE_CODEC, stored_rules
from servicedomain.repairs import (
    BomLine,
    FaultTaxonomy,
    RelationKind,
    ServiceObjectRelation,
    TemplateBom,
)
from test_cli_docs import replay, replay_batch_page

PAGE = Path(__file__).parents[1] / "docs" / "how-to" / "report-from-the-command-line.md"
STOCKHOLM = ZoneInfo("Europe/Stockholm")


def _open_the_order_of_the_page() -> None:
    """``SO-7`` under SLA STANDARD from Fri 16:00, its clock stopped Mon 09:00-10:00."""
    store = open_store("sqlite:///night.db", codecs=(RULE_CODEC,))
    try:
        rules = stored_rules(store)
        clock = FixedClock(datetime(2026, 3, 6, 16, 0, tzinfo=STOCKHOLM))
        desk = ServiceDesk(
            unit_of_work=store.unit_of_work,
            clock=clock,
            graph=rules.stage_graphs["SERVICE"],
            slas=dict(rules.slas),
        )
        desk.create_order(
            order_id="SO-7", customer_id="C-300", description="Boiler stopped", sla_id="STANDARD"
        )
        clock.set(datetime(2026, 3, 9, 9, 0, tzinfo=STOCKHOLM))
        desk.stop_sla("SO-7")
        clock.set(datetime(2026, 3, 9, 10, 0, tzinfo=STOCKHOLM))
        desk.start_sla("SO-7")
    finally:
        store.dispose()


def _record_the_repair_of_the_page() -> None:
    """``LAPTOP-1`` repaired on ``SO-8``: one finished repair line, its video card replaced."""
    store = open_store("sqlite:///night.db", codecs=(RULE_CODEC,))
    try:
        rules = stored_rules(store)
        clock = FixedClock(datetime(2026, 3, 10, 9, 0, tzinfo=STOCKHOLM))
        taxonomy = FaultTaxonomy.from_dict(
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
        objects = RepairDesk(unit_of_work=store.unit_of_work, clock=clock)
        desk = ServiceDesk(
            unit_of_work=store.unit_of_work,
            clock=clock,
            graph=rules.stage_graphs["SERVICE"],
            taxonomy=taxonomy,
        )
        objects.store_template(
            TemplateBom(
                id="T-L14",
                lines=[
                    BomLine(line_id="1", item_id="L14", quantity=1),
                    BomLine(
                        line_id="2",
                        item_id="VC-1",
                        quantity=1,
                        parent_id="1",
                        serial_number="VC-100",
                    ),
                ],
            )
        )
        objects.create_object(id="LAPTOP-1", group_id="LAPTOPS", description="Laptop L14")
        relation = ServiceObjectRelation("REL-8", "LAPTOP-1", RelationKind.ORDER, "SO-8")
        # The order owns the relation; creating it caches the relation on LAPTOP-1.
        desk.create_order(order_id="SO-8", customer_id="C-300", object_relations=(relation,))
        objects.attach_template(
            "LAPTOP-1", "REL-8", bom_id="BOM-8", on=date(2026, 3, 10), template_id="T-L14"
        )
        desk.add_repair_line(
            "SO-8",
            relation_id="REL-8",
            symptom_area_id="hard drive",
            symptom_code_id="blue screen",
            condition_id="fails after extended use",
            technician_id="T-7",
            description="Blue screen",
        )
        clock.set(datetime(2026, 3, 11, 14, 0, tzinfo=STOCKHOLM))
        desk.change_repair_line(
            "SO-8",
            1,
            diagnosis_area_id="defective part",
            diagnosis_code_id="new video card installed",
            resolution_id="replaced",
        )
        objects.replace_bom_item(
            "BOM-8",
            "2",
            new_item_id="VC-2",
            new_serial_number="VC-200",
            on=date(2026, 3, 11),
            order_id="SO-8",
        )
        desk.move_repair_line("SO-8", 1, "REPAIRED")
    finally:
        store.dispose()


def test_the_page_shows_what_the_commands_print(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    replay_batch_page(monkeypatch)
    (rules,) = re.findall(r"```toml\n(.*?)```", PAGE.read_text("utf-8"), re.DOTALL)
    Path("sla.toml").write_text(rules, encoding="utf-8")
    # the page's ``rules load sla.toml`` is its 9th command
    # and after its 15th (the last SLA command) the host records the repair of LAPTOP-1
    after = {9: _open_the_order_of_the_page, 15: _record_the_repair_of_the_page}
    ran = replay(PAGE, monkeypatch, (), after)
    assert ran == 18
    for page in ("margin.html", "sla.html", "sla-sv.html"):
        assert_self_contained(Path(page).read_text("utf-8"))
    margin = parse_page(Path("margin.html").read_text("utf-8"))
    assert margin.svgs
    assert all(svg for svg in margin.svgs)
    sla = parse_page(Path("sla.html").read_text("utf-8"))
    (timeline,) = sla.tables.values()
    assert [row[0] for row in timeline.body][-1] == "Deadline"
    # the timeline chart: one band per segment (the table's rows but the deadline's)
    assert len(timeline_bands(sla)) == len(timeline.body) - 1
    assert "marker deadline" in timeline_markers(sla)
    swedish = Path("sla-sv.html").read_text("utf-8")
    assert "Klockan över tid" in swedish
    assert len(timeline_bands(parse_page(swedish))) == len(timeline.body) - 1
