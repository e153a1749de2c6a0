"""docs/how-to/report-from-the-command-line.md: every console block prints what it shows.

The page runs on the database of run-batch-commands.md after its night (replayed
first); after its ``rules load sla.toml`` the host's order ``SO-7`` is stored through
the application objects, on a fixed clock, as the page says.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from report_parsing import assert_self_contained, parse_page, timeline_bands, timeline_markers
from servicedomain.adapters.clocks import FixedClock
from servicedomain.adapters.sql import open_store
from servicedomain.app import ServiceDesk
from servicedomain.cli import RULE_CODEC, stored_rules
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


def test_the_page_shows_what_the_commands_print(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    replay_batch_page(monkeypatch)
    (rules,) = re.findall(r"```toml\n(.*?)```", PAGE.read_text("utf-8"), re.DOTALL)
    Path("sla.toml").write_text(rules, encoding="utf-8")
    # the page's ``rules load sla.toml`` is its 9th command
    ran = replay(PAGE, monkeypatch, (), {9: _open_the_order_of_the_page})
    assert ran == 15
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
